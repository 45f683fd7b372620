# tessera_opencv_modules(<module>...): imported targets opencv_<module> (the names Debian's
# OpenCVConfig.cmake would give them) and OpenCV_INCLUDE_DIRS, found module by module. That
# config file ships only in libopencv-dev, which pulls every OpenCV module and their
# dependencies (GDAL, VTK, ffmpeg, HDF5) onto a machine; tessera needs only the -dev packages of
# the modules it links (scripts/install-deps.sh).
function(tessera_opencv_modules)
  find_path(OpenCV_INCLUDE_DIRS opencv2/core.hpp PATH_SUFFIXES opencv4 REQUIRED)
  set(OpenCV_INCLUDE_DIRS ${OpenCV_INCLUDE_DIRS} PARENT_SCOPE)
  foreach(module IN LISTS ARGN)
    if(TARGET opencv_${module})
      continue()
    endif()
    find_library(OpenCV_${module}_LIBRARY opencv_${module})
    if(NOT OpenCV_${module}_LIBRARY)
      message(FATAL_ERROR "OpenCV module '${module}' not found: install libopencv-${module}-dev "
        "(scripts/install-deps.sh)")
    endif()
    add_library(opencv_${module} SHARED IMPORTED GLOBAL)
    set_target_properties(opencv_${module} PROPERTIES
      IMPORTED_LOCATION ${OpenCV_${module}_LIBRARY}
      INTERFACE_INCLUDE_DIRECTORIES ${OpenCV_INCLUDE_DIRS})
  endforeach()
endfunction()
